/**
 * The `wellage` command line. Thin: each command opens the platform, calls a service and
 * prints. Machine-readable output goes to stdout (JSON), messages to stderr.
 */
import { Command, CommanderError } from 'commander';
import { loadConfig, ConfigError } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { serveCommand } from './serve.ts';
import { riskScoreCommand } from './risk.ts';
import { intakeHistoryCommand } from './intake.ts';
import { planGenerateCommand } from './plans.ts';
import { lesionAnalyzeCommand, lesionEvaluateCommand } from './lesion.ts';
import { auditVerifyCommand, dbMigrateCommand, exportCommand, filesSweepCommand, importCommand, seedDemoCommand, userCreateCommand } from './commands.ts';

export function buildProgram(): Command {
  const program = new Command('wellage')
    .description(
      'WellAge: FHIR-native platform for aesthetic and well-aging medicine.\n' +
        'Honours WELLAGE_DATA_DIR (embedded PGlite, default ./data) and DATABASE_URL (a PostgreSQL server).',
    )
    .exitOverride()
    .showHelpAfterError();

  program
    .command('serve')
    .description('serve the API and the web app (migrates; seeds the demo clinic into an empty database)')
    .option('--no-seed', 'do not seed the synthetic demo clinic')
    .action(async (opts: { seed: boolean }) => serveCommand(loadConfig(), opts));

  const db = program.command('db').description('database tasks');
  db.command('migrate')
    .description('apply the committed SQL migrations')
    .action(async () => dbMigrateCommand(loadConfig()));

  const seed = program.command('seed').description('fill the database with synthetic data');
  seed
    .command('demo')
    .description('seed the synthetic demo clinic (2 clinics, users of every role, 30+ patients each)')
    .action(async () => seedDemoCommand(loadConfig()));

  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('recompute the hash chain; exit status 1 and the first broken row when it does not hold')
    .action(async () => auditVerifyCommand(loadConfig()));

  const files = program.command('files').description('stored uploads');
  files
    .command('sweep')
    .description("delete uploads never attached to a record (an exam) after a grace period; each deletion audited as 'file-expire' (the server also does this hourly)")
    .option('--older-than-hours <hours>', 'grace period in hours (default: WELLAGE_UNATTACHED_FILE_HOURS, 24)')
    .option('--limit <n>', 'at most this many files per run', '1000')
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .action(async (opts) => filesSweepCommand(loadConfig(), opts));

  const user = program.command('user').description('user accounts');
  user
    .command('create')
    .description('create a user in a clinic')
    .requiredOption('--clinic <id>', 'clinic id')
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--role <role>', 'admin | clinician | nurse | patient | learner')
    .option('--patient <id>', 'the FHIR Patient id (role patient)')
    .option('--practitioner <id>', 'the FHIR Practitioner id (staff)')
    .option('--locale <locale>', 'en | es', 'en')
    .option('--password-stdin', 'read the password from standard input (recommended)')
    .option('--password <password>', 'the password (visible in the process list: prefer --password-stdin)')
    .action(async (opts) => userCreateCommand(loadConfig(), opts));

  program
    .command('import')
    .description('import FHIR R4 Bundles (transaction or batch); one JSON line per file on stdout')
    .argument('<bundle.json...>', 'bundle files, imported in the order given')
    .option('--clinic <id>', 'the clinic that owns the imported data (default: the only clinic)')
    .action(async (files: string[], opts: { clinic?: string }) => importCommand(loadConfig(), files, opts));

  program
    .command('export')
    .description("write a FHIR Bundle of everything about one patient to stdout")
    .argument('<patient-id>', 'the Patient id')
    .action(async (patientId: string) => exportCommand(loadConfig(), patientId));

  const risk = program.command('risk').description('cardiovascular risk');
  risk
    .command('score')
    .description('score a panel of patients (CSV, NDJSON or a FHIR Bundle); one output row per patient, model and outcome')
    .option('--model <models>', 'pce | prevent | score2 | score2-op | framingham | framingham-bmi | qrisk3 | all, or a comma-separated list', 'all')
    .option('--in <file>', 'input file (- or absent: standard input)')
    .option('--out <file>', 'output file (- or absent: standard output)')
    .option('--format <format>', 'input format csv | ndjson | fhir (default: from the --in extension .csv/.ndjson/.json, else csv)')
    .option('--out-format <format>', 'output format csv | ndjson (default: from the --out extension, else the input format; csv for fhir)')
    .option('--as-of <date>', 'FHIR input: the date inputs are assembled for (default: now)')
    .option('--country <code>', 'FHIR input: ISO country for the SCORE2 region when a Patient has no address country')
    .option('--allow-extrapolation', 'score outside the validated populations, flagged as extrapolated')
    .action(async (opts) => riskScoreCommand(opts));

  const intake = program.command('intake').description('patient intake questionnaire');
  intake
    .command('history')
    .description('print the preliminary history note, red flags, scores and extracted resources of a QuestionnaireResponse (no database)')
    .argument('<questionnaire-response.json>', 'a FHIR QuestionnaireResponse to the shipped intake questionnaire')
    .option('--lang <lang>', 'en | es', 'en')
    .option('--format <format>', 'text | json', 'text')
    .option('--as-of <date>', '"today" for future-date checks and recency windows, YYYY-MM-DD (default: today)')
    .action(async (file: string, opts: { lang?: string; format?: string; asOf?: string }) => {
      process.exitCode = await intakeHistoryCommand(file, opts);
    });

  const plan = program.command('plan').description('personalised treatment and skincare plans');
  plan
    .command('generate')
    .description('generate a plan from a patient profile JSON (no database), or from a patient\'s record (stored as a draft CarePlan)')
    .argument('<patient-id | profile.json>', 'a Patient id, or a patient profile file (see src/plans/README.md and test/fixtures/plans/)')
    .option('--goals <concerns>', 'ranked concerns, comma-separated, each optionally @area (e.g. dynamic-lines@forehead,melasma)')
    .option('--genotype <file>', 'a 23andMe / AncestryDNA text file or a VCF; only the skin panel is kept')
    .option('--lang <lang>', 'en | es', 'en')
    .option('--format <format>', 'text | json', 'text')
    .option('--as-of <date>', '"today" for recency rules, YYYY-MM-DD (default: today)')
    .action(async (file: string, opts: { goals?: string; genotype?: string; lang?: string; format?: string; asOf?: string }) => {
      await planGenerateCommand(file, opts, () => loadConfig());
    });

  const lesion = program
    .command('lesion')
    .description('dermoscopic lesion second opinion (no database)')
    // Bad arguments exit with 2 here: 1 already means "some image could not be assessed".
    .exitOverride((err) => {
      throw err.exitCode === 1 ? new CommanderError(2, err.code, err.message) : err;
    });
  lesion
    .command('analyze')
    .description(
      'analyse dermoscopic images: one result per file (--json: one JSON object per line); ' +
        'exit status 0 all assessed, 1 some could not be assessed, 2 bad arguments',
    )
    .argument('<image...>', 'image files (JPEG, PNG, TIFF, WebP)')
    .option('--json', 'one JSON object per line on stdout')
    .option('--heatmap <dir>', 'write <dir>/<name>.heatmap.png and <name>.outline.png')
    .option('--no-tta', 'one view only: faster, no uncertainty from test-time augmentation')
    .option('--pixels-per-mm <n>', 'image scale, for the diameter in millimetres')
    .option('--model <dir>', 'model folder (default: models/lesion)')
    .action(async (files: string[], opts) => lesionAnalyzeCommand(files, opts));
  lesion
    .command('evaluate')
    .description("the model card's metrics on a labelled folder (labels.csv + images/), beside the card's")
    .requiredOption('--data <dir>', 'a folder in the layout of ../shared/data/dermoscopy/*')
    .option('--limit <n>', 'score a seeded sample of n images')
    .option('--seed <n>', 'seed for the sample and the bootstrap', '1')
    .option('--bootstrap <n>', 'bootstrap resamples for the AUC CIs', '1000')
    .option('--no-tta', 'one view only: faster (the card, like the analyzer, averages 8 views)')
    .option('--no-gate', 'score every image with the model alone, as the trainer did (no quality gate)')
    .option('--json', 'print the report as one JSON object')
    .option('--model <dir>', 'model folder (default: models/lesion)')
    .action(async (opts) => lesionEvaluateCommand(opts));

  return program;
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (isAppError(e)) {
      process.stderr.write(`wellage: ${e.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`wellage: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
