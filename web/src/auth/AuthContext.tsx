/**
 * Who is signed in, for the whole app. The server's session cookie is the truth: on load
 * we ask GET /api/auth/me, and signing out forgets the user here as well.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onSessionEnded } from '../api/client.ts';
import type { User } from '../api/types.ts';
import { chooseLanguage, hasStoredLanguage } from '../i18n/index.ts';
import { isLanguage } from '../i18n/language.ts';
import i18n from 'i18next';

interface AuthValue {
  /** undefined while we ask the server, null when nobody is signed in. */
  user: User | null | undefined;
  /** Error of the initial "who am I" call (server unreachable), if any. */
  loadError: unknown;
  login(email: string, password: string): Promise<User>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthValue | undefined>(undefined);

/** Follows the user's profile language unless they picked one in this browser. */
function adoptLocale(user: User): void {
  if (!hasStoredLanguage() && isLanguage(user.locale) && i18n.language !== user.locale) {
    void i18n.changeLanguage(user.locale);
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);

  useEffect(() => {
    onSessionEnded(() => setUser(null));
    return () => onSessionEnded(undefined);
  }, []);

  useEffect(() => {
    let stale = false;
    api.me().then(
      (u) => {
        if (stale) return;
        if (u) adoptLocale(u);
        setUser(u);
      },
      (e: unknown) => {
        if (stale) return;
        setLoadError(e);
        setUser(null);
      },
    );
    return () => {
      stale = true;
    };
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const u = await api.login(email, password);
    adoptLocale(u);
    setLoadError(undefined);
    setUser(u);
    return u;
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      // Even if the call failed, this browser must stop showing the user's data.
      setUser(null);
    }
  }, []);

  const value = useMemo(() => ({ user, loadError, login, logout }), [user, loadError, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

export { chooseLanguage };
