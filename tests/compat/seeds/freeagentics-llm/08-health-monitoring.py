health = await factory.health_check()

for provider, status in health["providers"].items():
    print(f"{provider}: {status['success_rate']:.1f}% success rate")
