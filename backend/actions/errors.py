"""Why a server action was refused or failed: the domain's errors, each worded for the operator."""

from __future__ import annotations

from ..schemas import QueueState


class ActionError(RuntimeError):
    """A server action did not happen; the message says why and what the user can do."""


class ActionConflictError(ActionError):
    """The action cannot run in the server's current state (already under way, not possible here)."""


class HostActionError(ActionError):
    """The host could not carry out an action; the message says what the user can do."""


class HostBusyError(HostActionError, ActionConflictError):
    """The host refused because a workflow is running or queued."""


def busy_message(queue: QueueState, action: str) -> str | None:
    """A sentence when workflows run or wait, else None."""
    running, queued = queue.running or 0, queue.queued or 0
    if running == 0 and queued == 0:
        return None
    parts = []
    if running:
        parts.append(f"{running} workflow{'s are' if running > 1 else ' is'} running")
    if queued:
        parts.append(f"{queued} {'are' if queued > 1 else 'is'} queued")
    return f"{' and '.join(parts)}: {action} when the queue is empty, or cancel them first"


def refuse_when_busy(queue: QueueState, action: str) -> None:
    """Raise HostBusyError when workflows run or wait.

    Raises:
        HostBusyError: With ``busy_message`` as a sentence.
    """
    message = busy_message(queue, action)
    if message is not None:
        raise HostBusyError(message[0].upper() + message[1:])
