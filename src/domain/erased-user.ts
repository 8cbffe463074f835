import type { UserId } from './brand.js'

/**
 * What an erased user's id becomes in the facts that named them (`registry.erase`): the empty
 * string, which no input can carry (user ids have at least one character, S3). The fold treats
 * it as a user so that history keeps its shape (a login by someone else still took the token
 * from its previous owner), and shows it as no one: never an owner, seen or opted in, `null` in
 * changelog entries.
 */
export const erasedUser = '' as UserId
