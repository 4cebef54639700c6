/** A turn with tools may call the model at most this many times, so a looping model can't run forever. */
export const MAX_MODEL_CALLS_PER_TURN = 25;
