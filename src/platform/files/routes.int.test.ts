import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DB_KINDS } from '../../../test/support/database.ts';
import { storedFile } from '../db/schema.ts';
import { insertConsent, multipart } from '../../../test/support/tenants.ts';
import { openTestApp, type TestApp } from '../../../test/support/app.ts';
import { jpegWithGps, MINIMAL_PDF, png } from '../../../test/support/images.ts';

describe.each(DB_KINDS)('file routes on %s', (kind) => {
  let h: TestApp;
  let nurse: string;
  beforeAll(async () => {
    h = await openTestApp(kind, { WELLAGE_UPLOAD_LIMIT_BYTES: '200000', WELLAGE_UPLOAD_LIMIT_PIXELS: '1000000' });
    await insertConsent(h.t.database.db, 'clinic-a', 'pat-a1', 'care', 'permit');
    nurse = await h.login('nurse@a.test');
  });
  afterAll(() => h.close());

  const upload = (parts: Parameters<typeof multipart>[0], cookie = nurse) => {
    const form = multipart(parts);
    return h.app.inject({ method: 'POST', url: '/api/files', payload: form.payload, headers: { ...form.headers, cookie } });
  };

  it('stores a patient photo without EXIF/GPS and serves it back as an image', async () => {
    const res = await upload([{ name: 'patientId', value: 'pat-a1' }, { name: 'file', filename: 'IMG_0001.jpg', contentType: 'image/jpeg', bytes: await jpegWithGps() }]);
    expect(res.statusCode, res.body).toBe(201);
    const info = res.json() as { id: string; contentType: string; width: number; height: number };
    expect(info).toMatchObject({ contentType: 'image/jpeg', width: 48, height: 64 });
    const got = await h.app.inject({ url: `/api/files/${info.id}`, headers: { cookie: nurse } });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(got.headers['content-disposition']).toBe('inline');
    expect((await sharp(got.rawPayload).metadata()).exif).toBeUndefined();
    expect(got.rawPayload.includes(Buffer.from('TestCam'))).toBe(false);
  });

  it('stores a PNG declared as image/jpeg as what it is: a PNG', async () => {
    const res = await upload([{ name: 'file', filename: 'photo.jpg', contentType: 'image/jpeg', bytes: await png(10, 10) }]);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ contentType: 'image/png' });
    const got = await h.app.inject({ url: `/api/files/${(res.json() as { id: string }).id}`, headers: { cookie: nurse } });
    expect(got.headers['content-type']).toBe('image/png');
  });

  it('serves a PDF as an attachment', async () => {
    const res = await upload([{ name: 'file', filename: 'letter.pdf', contentType: 'application/pdf', bytes: MINIMAL_PDF }]);
    const got = await h.app.inject({ url: `/api/files/${(res.json() as { id: string }).id}`, headers: { cookie: nurse } });
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.headers['content-disposition']).toMatch(/^attachment/);
  });

  it('refuses a text file renamed .jpg, a file too large, and an image with too many pixels, storing nothing', async () => {
    const before = (await h.t.database.db.select().from(storedFile)).length;
    const text = await upload([{ name: 'file', filename: 'holiday.jpg', contentType: 'image/jpeg', bytes: Buffer.from('Dear doctor, I am writing about...') }]);
    expect([text.statusCode, text.json().code, text.json().field]).toEqual([415, 'FILE_TYPE_NOT_ALLOWED', 'file']);
    const big = await upload([{ name: 'file', filename: 'big.pdf', contentType: 'application/pdf', bytes: Buffer.concat([MINIMAL_PDF, Buffer.alloc(200_001, 0x20)]) }]);
    expect([big.statusCode, big.json().code, big.json().field]).toEqual([413, 'FILE_TOO_LARGE', 'file']);
    const pixels = await upload([{ name: 'file', filename: 'huge.png', contentType: 'image/png', bytes: await png(1200, 1000) }]);
    expect([pixels.statusCode, pixels.json().code]).toEqual([413, 'IMAGE_TOO_MANY_PIXELS']);
    expect((await h.t.database.db.select().from(storedFile)).length).toBe(before);
    expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('refuses a patient file without care consent, and learners', async () => {
    const noConsent = await upload([{ name: 'patientId', value: 'pat-a2' }, { name: 'file', filename: 'a.png', contentType: 'image/png', bytes: await png(4, 4) }]);
    expect([noConsent.statusCode, noConsent.json().code, noConsent.json().field]).toEqual([403, 'CONSENT_MISSING', 'consent.care']);
    expect(noConsent.json().detail).toBe('The patient has not given consent for care');
    const learner = await h.login('learner@a.test');
    const res = await upload([{ name: 'patientId', value: 'pat-a1' }, { name: 'file', filename: 'a.png', contentType: 'image/png', bytes: await png(4, 4) }], learner);
    expect(res.statusCode).toBe(403);
  });

  it('answers bad requests with a problem naming the field', async () => {
    const noFile = await upload([{ name: 'patientId', value: 'pat-a1' }]);
    expect([noFile.statusCode, noFile.json().field]).toEqual([400, 'file']);
    const json = await h.app.inject({ method: 'POST', url: '/api/files', headers: { cookie: nurse }, payload: { file: 'aGVsbG8=' } });
    expect([json.statusCode, json.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const extra = await upload([{ name: 'comment', value: '<script>alert(1)</script>' }, { name: 'file', filename: 'a.png', contentType: 'image/png', bytes: await png(4, 4) }]);
    expect([extra.statusCode, extra.json().field]).toEqual([400, 'comment']);
    const badId = await h.app.inject({ url: '/api/files/not-a-uuid', headers: { cookie: nurse } });
    expect([badId.statusCode, badId.json().field]).toEqual([400, 'params.id']);
    const missing = await h.app.inject({ url: '/api/files/00000000-0000-4000-8000-000000000000', headers: { cookie: nurse } });
    expect(missing.statusCode).toBe(404);
    expect((await h.app.inject({ method: 'POST', url: '/api/files' })).statusCode).toBe(401);
  });
});
