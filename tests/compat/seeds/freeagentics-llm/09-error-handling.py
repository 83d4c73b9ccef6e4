try:
    gmn = await factory.generate_gmn(prompt)
except LLMError as e:
    # Handle LLM-specific errors
    print(f"LLM Error: {e}")
