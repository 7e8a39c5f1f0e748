'use strict';

/**
 * A libtopt error. `code` is the stable status name ('NOT_FOUND', ...) as Node errors carry
 * string codes; `status` is the numeric TOPT_STATUS_* value; `message` is libtopt's message.
 */
class ToptError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ToptError';
    this.code = code;
    this.status = status;
  }
}

/** Throws the error `err` points to (after freeing it); returns when it is NULL. */
function check(raw, err) {
  if (err === null) return;
  try {
    const status = raw.topt_error_code(err);
    throw new ToptError(status, raw.topt_status_name(status), raw.topt_error_message(err));
  } finally {
    raw.topt_error_free(err);
  }
}

/** The error a closed context's methods throw: a usage error, not a libtopt status. */
function closedError() {
  const err = new Error('topt context is closed');
  err.code = 'ERR_TOPT_CLOSED';
  return err;
}

module.exports = { ToptError, check, closedError };
