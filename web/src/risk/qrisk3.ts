/**
 * The text ClinRisk requires beside every QRISK3 score. A verbatim copy of
 * QRISK3_DISCLAIMER in src/risk/models/qrisk3.ts, for screens that show a QRISK3 score
 * without a result object to carry it (the risk panel, the what-if table); qrisk3.test.ts
 * fails when the two drift apart.
 */
export const QRISK3_DISCLAIMER =
  'The initial version of this file, to be found at http://svn.clinrisk.co.uk/opensource/qrisk2, faithfully implements QRISK3-2017. ' +
  'ClinRisk Ltd. have released this code under the GNU Lesser General Public License to enable others to implement the algorithm faithfully. ' +
  'However, the nature of the GNU Lesser General Public License is such that we cannot prevent, for example, someone accidentally altering the coefficients, getting the inputs wrong, or just poor programming. ' +
  'ClinRisk Ltd. stress, therefore, that it is the responsibility of the end user to check that the source that they receive produces the same results as the original code found at https://qrisk.org. ' +
  'Inaccurate implementations of risk scores can lead to wrong patients being given the wrong treatment.';
