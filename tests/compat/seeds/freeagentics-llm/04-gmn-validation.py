provider = await factory.get_provider()
is_valid, errors = await provider.validate_gmn(gmn)

if not is_valid:
    print(f"Validation errors: {errors}")
