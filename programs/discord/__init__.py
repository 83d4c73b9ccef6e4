"""The Discord bot: llmgine's chat engine answering in Discord channels, threads and DMs.

Run it with ``python -m programs.discord.bot`` (see docs/discord.md). The modules, from the
outside in: ``bot`` (the entry point), ``client`` (the discord.py client), ``logic``
(``ChatBot``: what to answer and how), ``backend`` (one llmgine conversation per channel),
``split``, ``ratelimit``, ``config`` and ``protocols``.
"""
