async def my_custom_tool(param1: str, param2: int) -> Dict[str, Any]:
    """Description of what the tool does.

    Args:
        param1: Description of parameter 1
        param2: Description of parameter 2

    Returns:
        Dictionary with results
    """
    # Implementation
    return {"result": "some value"}
