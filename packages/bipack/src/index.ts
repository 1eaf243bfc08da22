export const probe = 42
