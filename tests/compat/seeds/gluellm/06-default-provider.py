from gluellm.api import complete

# Uses default model from config
result = await complete("Hello!")
