# Force specific provider
response = await factory.generate(
    messages,
    provider_type=ProviderType.ANTHROPIC
)

# Ollama with GPU acceleration
config = {
    "ollama": {
        "num_gpu": -1,  # Use all GPU layers
        "num_ctx": 8192  # Larger context window
    }
}
