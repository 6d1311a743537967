import { NativeSelect } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, currentLanguage } from '../i18n/index.ts';
import { LANGUAGES, isLanguage } from '../i18n/language.ts';

/** English/Spanish switch: a native select, so it works with keyboard and screen readers as is. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <NativeSelect
      aria-label={t('language.label')}
      size="xs"
      value={currentLanguage()}
      data={LANGUAGES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
      onChange={(e) => {
        const v = e.currentTarget.value;
        if (isLanguage(v)) void chooseLanguage(v);
      }}
    />
  );
}
