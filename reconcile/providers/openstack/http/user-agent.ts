import { FROST_VERSION } from "../../../version.js";

/** Sent with every request, so that a cloud's logs show what called. */
export const USER_AGENT = `frost/${FROST_VERSION}`;
