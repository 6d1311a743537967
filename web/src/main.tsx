/** Entry point: styles, i18n, theme, auth and routing around the app. */
import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import './global.css';
import { MantineProvider, createTheme } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { AuthProvider } from './auth/AuthContext.tsx';
import { setupI18n } from './i18n/index.ts';

const i18n = setupI18n();

// Calm clinical palette; focus rings on every keyboard focus ('auto': not on mouse clicks).
const theme = createTheme({
  primaryColor: 'teal',
  primaryShade: 8,
  focusRing: 'auto',
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <MantineProvider theme={theme} defaultColorScheme="light">
        <BrowserRouter>
          <AuthProvider>
            <App />
          </AuthProvider>
        </BrowserRouter>
      </MantineProvider>
    </I18nextProvider>
  </StrictMode>,
);
