from llmgine.bus import MessageBus
from llmgine.messages.commands import YourCommand
from llmgine.messages.events import YourEvent

# Initialize the bus with observability configuration
# Log file will be created in 'logs/app_events.jsonl'
# Console output for metrics and traces is enabled by default
message_bus = MessageBus(
    log_dir="logs",
    log_filename="app_events.jsonl",
    enable_console_metrics=True,
    enable_console_traces=True
)

# Start the bus's background processing
await message_bus.start()

# Register handlers (example)
# message_bus.register_command_handler(YourCommand, handle_your_command)
# message_bus.register_event_handler(YourEvent, handle_your_event)

# Execute commands
# result = await message_bus.execute(YourCommand(...))

# Publish events (also happens automatically for command results)
# await message_bus.publish(YourEvent(...))

# --- Observability Events ---
# You can also publish standard observability events directly
from llmgine.observability import Metric, MetricEvent, TraceEvent, SpanContext

# Publish a metric
await message_bus.publish(MetricEvent(metrics=[Metric(name="files_processed", value=10)]))

# Publish a custom trace span (though command traces are automatic)
# trace_id = "custom_trace_1"
# span_id = "custom_span_1"
# span_context = SpanContext(trace_id=trace_id, span_id=span_id)
# await message_bus.publish(TraceEvent(name="Custom Operation Start", span_context=span_context, start_time=datetime.now().isoformat()))
# # ... perform operation ...
# await message_bus.publish(TraceEvent(name="Custom Operation End", span_context=span_context, end_time=datetime.now().isoformat(), status="OK"))

# Stop the bus
# await message_bus.stop()
