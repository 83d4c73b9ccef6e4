from llm import LLMMessage, LLMRole

messages = [
    LLMMessage(
        role=LLMRole.SYSTEM,
        content="You are an expert in active inference"
    ),
    LLMMessage(
        role=LLMRole.USER,
        content="Design a multi-agent system"
    )
]

response = await factory.generate(messages)
