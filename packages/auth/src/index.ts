export {
  type Auth,
  type AuthOptions,
  type AuthSession,
  activeSession,
  createAuth,
  MIN_PASSWORD_LENGTH,
} from './auth.ts';
export { type AuthHandlerOptions, createAuthHandler } from './auth-handler.ts';
export {
  AuthConfigError,
  devSecretPath,
  resolveAuthSecret,
  type SecretSource,
} from './auth-secret.ts';
export { CLIENT_IP_HEADER, type ClientIpRule, clientIpFrom, normalizeIp } from './client-ip.ts';
export { authEnvShape, authSecretFromEnv } from './env.ts';
export { hasRole, isRole, ROLES, type Role } from './roles.ts';
export {
  SIGN_IN,
  SIGN_IN_FAILED,
  SIGN_OUT,
  type SignInFailure,
  UNKNOWN_CLIENT_IP,
} from './sign-in-audit.ts';
export {
  type AdminActor,
  addUser,
  LastAdminError,
  listUsers,
  resetUserPassword,
  setUserDisabled,
  setUserRole,
  UnknownUserError,
  type UserChange,
  type UserState,
} from './user-admin.ts';
export {
  checkPassword,
  createUser,
  type NewUser,
  normalizeEmail,
  UserInputError,
} from './users.ts';
