from llm import create_llm_factory

# Create factory with auto-detection
factory = create_llm_factory()

# Generate GMN from natural language
gmn = await factory.generate_gmn(
    prompt="Create an agent that explores a grid world",
    agent_type="explorer"
)
