/**
 * What a row's class index holds when it is not a class: the one definition, in a module of its own
 * so the fold workers use it without loading the table readers.
 */

/** An empty label: the row is kept, counted and shown, predicted but never trained on. */
export const UNLABELED = -1;
/** A damaged row (or an image that cannot be decoded): reported, skipped for analysis, untouched in the file. */
export const SKIPPED = -2;
