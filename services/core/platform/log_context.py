"""Carries the log context through Temporal: the API's request id travels in a header of each workflow
start, update and signal; the workflow passes it on to the activities it starts; the worker binds it (with
the workflow and application id) while a workflow handler or an activity runs. So a worker's log lines name
the HTTP request that caused them.

One interceptor for both sides: give it to `Client.connect(interceptors=...)`; a worker built from that
client uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import temporalio.activity
import temporalio.api.common.v1
import temporalio.client
import temporalio.converter
import temporalio.worker
import temporalio.workflow

with temporalio.workflow.unsafe.imports_passed_through():
    # Passed through, so the sandboxed workflow and the log formatter share the same context variables.
    from services.core.platform import logging as log_ids

REQUEST_ID_HEADER = "tokku-request-id"
# Headers are plain strings whatever data converter the client uses for arguments.
_converter = temporalio.converter.default().payload_converter


class _HasHeaders(Protocol):
    headers: Mapping[str, temporalio.api.common.v1.Payload]


def _add_request_id(target: _HasHeaders) -> None:
    current = log_ids.request_id.get()
    if current:
        target.headers = {**target.headers, REQUEST_ID_HEADER: _converter.to_payload(current)}


def _request_id(source: _HasHeaders) -> str | None:
    payload = source.headers.get(REQUEST_ID_HEADER)
    return _converter.from_payload(payload, str) if payload is not None else None


class LogContextInterceptor(temporalio.client.Interceptor, temporalio.worker.Interceptor):
    def intercept_client(self, next: temporalio.client.OutboundInterceptor) -> temporalio.client.OutboundInterceptor:
        return _ClientOutbound(next)

    def intercept_activity(
            self, next: temporalio.worker.ActivityInboundInterceptor) -> temporalio.worker.ActivityInboundInterceptor:
        return _ActivityInbound(next)

    def workflow_interceptor_class(
            self, input: temporalio.worker.WorkflowInterceptorClassInput) -> type[_WorkflowInbound]:
        return _WorkflowInbound


class _ClientOutbound(temporalio.client.OutboundInterceptor):
    async def start_workflow(self, input: temporalio.client.StartWorkflowInput) -> Any:
        _add_request_id(input)
        return await self.next.start_workflow(input)

    async def signal_workflow(self, input: temporalio.client.SignalWorkflowInput) -> None:
        _add_request_id(input)
        await self.next.signal_workflow(input)

    async def start_workflow_update(self, input: temporalio.client.StartWorkflowUpdateInput) -> Any:
        _add_request_id(input)
        return await self.next.start_workflow_update(input)

    async def start_update_with_start_workflow(
            self, input: temporalio.client.StartWorkflowUpdateWithStartInput) -> Any:
        _add_request_id(input.start_workflow_input)
        _add_request_id(input.update_workflow_input)
        return await self.next.start_update_with_start_workflow(input)


class _ActivityInbound(temporalio.worker.ActivityInboundInterceptor):
    async def execute_activity(self, input: temporalio.worker.ExecuteActivityInput) -> Any:
        info = temporalio.activity.info()
        with log_ids.bound(request=_request_id(input), workflow=info.workflow_id):
            return await self.next.execute_activity(input)


class _WorkflowInbound(temporalio.worker.WorkflowInboundInterceptor):
    def init(self, outbound: temporalio.worker.WorkflowOutboundInterceptor) -> None:
        self.next.init(_WorkflowOutbound(outbound))

    async def execute_workflow(self, input: temporalio.worker.ExecuteWorkflowInput) -> Any:
        # No request id here: the main loop outlives the request that started it (timers fire months later).
        with log_ids.bound(workflow=temporalio.workflow.info().workflow_id):
            return await self.next.execute_workflow(input)

    async def handle_signal(self, input: temporalio.worker.HandleSignalInput) -> None:
        with log_ids.bound(request=_request_id(input), workflow=temporalio.workflow.info().workflow_id):
            return await self.next.handle_signal(input)

    def handle_update_validator(self, input: temporalio.worker.HandleUpdateInput) -> None:
        with log_ids.bound(request=_request_id(input), workflow=temporalio.workflow.info().workflow_id):
            self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: temporalio.worker.HandleUpdateInput) -> Any:
        # Each update handler runs in its own task: activities it starts carry this request's id.
        with log_ids.bound(request=_request_id(input), workflow=temporalio.workflow.info().workflow_id):
            return await self.next.handle_update_handler(input)


class _WorkflowOutbound(temporalio.worker.WorkflowOutboundInterceptor):
    def start_activity(self, input: temporalio.worker.StartActivityInput) -> temporalio.workflow.ActivityHandle:
        _add_request_id(input)
        return self.next.start_activity(input)

    def start_local_activity(
            self, input: temporalio.worker.StartLocalActivityInput) -> temporalio.workflow.ActivityHandle:
        _add_request_id(input)
        return self.next.start_local_activity(input)
