import os

from celery import shared_task


@shared_task
def echo(value: str) -> dict:
    """Sends back its argument and the worker's process id.

    A probe of the whole chain (caller → broker → worker → result backend → caller), used by the
    stack test (tests/test_stack.py); it touches neither the database nor the mail server.
    """
    return {"value": value, "pid": os.getpid()}
