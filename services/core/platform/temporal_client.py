"""One way to reach Temporal, with the pydantic data converter every side must share."""

from __future__ import annotations

import logging
import os
import sys

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from services.core.platform.log_context import LogContextInterceptor
from services.core.platform.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                data_converter=pydantic_data_converter,
                                # the request id travels to workflows and activities (and their log lines)
                                interceptors=[LogContextInterceptor()])


def exit_process(code: int) -> None:
    """End a process that used a Temporal client without interpreter teardown: the client's Rust threads can
    abort a finalising interpreter (SIGABRT instead of the exit code; temporalio/sdk-python#300)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
