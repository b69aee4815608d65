"""The one place a worker's failure is shown: a dialog with the error, and the screen's progress cleared."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from qualcode.core.errors import QualcodeError


class ReportsWorkerErrors:
    """Mixed into every screen that runs workers: a worker that fails never leaves "working …" on screen."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        from qualcode.tui.screens.dialogs import ErrorDialog

        error = event.worker.error
        if isinstance(error, QualcodeError):
            text = str(error)
        else:
            text = f"{type(error).__name__}: {error}"
        self.work_failed(event.worker.group, text)
        self.app.push_screen(ErrorDialog(f"{event.worker.group} failed", text))  # type: ignore[attr-defined]

    def work_failed(self, group: str, error: str) -> None:
        """Clear what the screen shows while a worker of this group runs; screens with progress override it."""
