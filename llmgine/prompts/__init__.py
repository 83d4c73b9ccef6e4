"""Prompt templates: the system prompt of each model call, rendered by sandboxed jinja2."""

from llmgine.prompts._templates import DEFAULT_SYSTEM_TEMPLATE, PromptTemplateError, PromptTemplates

__all__ = ["DEFAULT_SYSTEM_TEMPLATE", "PromptTemplateError", "PromptTemplates"]
