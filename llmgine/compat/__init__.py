"""Other projects' names bound to llmgine's own objects: their code runs with one import
changed."""
