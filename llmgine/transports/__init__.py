"""Transports that carry a bus's messages between processes (each an optional extra).

``llmgine.transports.nats``: NATS JetStream (``pip install 'llmgine[nats]'``).
"""
