config = {
    "provider": "auto",
    "openai": {
        "model": "gpt-4o",
        "temperature": 0.3,
        "max_retries": 3
    },
    "anthropic": {
        "model": "claude-3-5-sonnet-20241022",
        "temperature": 0.2
    },
    "ollama": {
        "model": "llama3.2",
        "base_url": "http://localhost:11434"
    }
}

factory = LLMProviderFactory(config)
