"""Errors a user can cause. The CLI and HTTP edges turn them into one clear sentence
(HTTP: a 4xx); inner code raises these or plain built-in exceptions."""


class UserError(ValueError):
    """Bad input from a user: the message is one sentence that says what to do."""


class InputImageError(UserError):
    """An image (or mask) that cannot be read, is empty, too large, or the wrong size."""


class NothingToRemoveError(UserError):
    """A click that lands on no object: 'nothing to remove here' is an answer."""


class MissingWeightsError(UserError):
    """Network weights that are not on this machine (no download is ever attempted)."""
