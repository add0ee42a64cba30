export {
  type Auth,
  type AuthOptions,
  type AuthSession,
  createAuth,
  MIN_PASSWORD_LENGTH,
} from './auth.ts';
export {
  AuthConfigError,
  devSecretPath,
  resolveAuthSecret,
  type SecretSource,
} from './auth-secret.ts';
export { authEnvShape, authSecretFromEnv } from './env.ts';
export { hasRole, isRole, ROLES, type Role } from './roles.ts';
export { createUser, type NewUser, UserInputError } from './users.ts';
