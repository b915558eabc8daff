/** Names shared by the PostgreSQL client and the services (no driver import, so the services stay portable). */

/** The channel `appendEvent` notifies on (delivered at commit). */
export const EVENTS_CHANNEL = "lw_events";
/** Advisory lock keys (one namespace for the project). */
export const LOCK_MIGRATE = 0x6c770001;
export const LOCK_EVENTS = 0x6c770002;
