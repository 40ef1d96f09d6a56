/**
 * What every server slot of the connector shares, whatever runs behind it (a child process in
 * supervisor.mjs, an HTTP client transport in http-relay.mjs): its name and entry, the state the
 * edge sees (`starting`, `ready`, `backoff`, `crash-looping`, `failed`…) and the status row it
 * reports. A state change is reported to the edge at once.
 */

/** @typedef {{ report(): void }} Reporter */

export class SlotState {
  /** @type {Map<string, unknown>} */
  sessions = new Map();
  state = 'starting';
  /** @type {string | undefined} */
  detail;
  since = Date.now();

  /** @param {string} name @param {object} entry @param {Reporter} reporter */
  constructor(name, entry, reporter) {
    this.name = name;
    /** The entry as assigned; `key` tells whether a new assignment changed it. */
    this.key = JSON.stringify(entry);
    this.reporter = reporter;
  }

  reportRow() {
    return { state: this.state, ...(this.detail ? { detail: this.detail } : {}), since: this.since, sessions: this.sessions.size };
  }

  /** @param {string} state @param {string} [detail] */
  setState(state, detail) {
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    this.since = Date.now();
    this.reporter.report();
  }
}
