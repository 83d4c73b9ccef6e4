"""FreeAgentics on llmgine: its ``llm`` module is ``llmgine.compat.freeagentics.llm``."""
