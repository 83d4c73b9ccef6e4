from gluellm.config import reload_settings

# Reload after changing .env file
settings = reload_settings()
