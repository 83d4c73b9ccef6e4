# Simple agent
gmn = await factory.generate_gmn(
    prompt="Create a cautious explorer agent"
)

# With agent type hints
gmn = await factory.generate_gmn(
    prompt="Create a market trading agent",
    agent_type="trader"
)

# With constraints
gmn = await factory.generate_gmn(
    prompt="Create a team coordinator",
    agent_type="coordinator",
    constraints={
        "max_states": 10,
        "max_actions": 5
    }
)
