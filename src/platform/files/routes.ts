/**
 * File upload and download. Multipart parsing is registered here with the configured
 * limits; everything else (type sniffing, metadata stripping, access, consent) is in
 * files.service.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { Services } from '../services.ts';
import { AppError } from '../errors.ts';
import { requireContext } from '../http/request-context.ts';
import { isImageType } from './files.service.ts';

const storedFileSchema = z.object({
  id: z.string().describe('File id'),
  contentType: z.string().describe('The type sniffed from the bytes (the client’s declared type is ignored)'),
  byteSize: z.number().int().describe('Size of the stored bytes'),
  sha256: z.string().describe('SHA-256 of the stored bytes (after metadata removal)'),
  width: z.number().int().optional().describe('Image width, pixels'),
  height: z.number().int().optional().describe('Image height, pixels'),
});

function tooLarge(limit: number): AppError {
  return new AppError('FILE_TOO_LARGE', `The file is larger than ${limit} bytes`, { field: 'file', details: { limitBytes: limit } });
}

export const fileRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config } = services.deps;
  await app.register(multipart, {
    limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 4, fieldSize: 256, parts: 5, headerPairs: 100 },
  });

  app.post(
    '/api/files',
    {
      schema: {
        tags: ['files'],
        summary: 'Upload an image (JPEG, PNG, WebP, TIFF) or a PDF; images are stored without EXIF/GPS/XMP/IPTC',
        consumes: ['multipart/form-data'],
        response: { 201: storedFileSchema },
      },
    },
    async (request, reply) => {
      const ctx = requireContext(request);
      if (!request.isMultipart()) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in the field "file"', { field: 'file' });
      }
      let bytes: Buffer | undefined;
      let filename: string | undefined;
      let patientId: string | undefined;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file') {
              throw new AppError('VALIDATION_FAILED', `file: unexpected file field "${part.fieldname}"; use "file"`, { field: 'file' });
            }
            bytes = await part.toBuffer();
            filename = part.filename;
          } else if (part.fieldname === 'patientId') {
            if (typeof part.value !== 'string' || part.value === '') {
              throw new AppError('VALIDATION_FAILED', 'patientId: must be a Patient id', { field: 'patientId' });
            }
            patientId = part.value;
          } else {
            throw new AppError('VALIDATION_FAILED', `${part.fieldname}: unknown field; send "file" and optionally "patientId"`, { field: part.fieldname });
          }
        }
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(config.uploadLimitBytes);
        if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
          throw new AppError('VALIDATION_FAILED', 'file: send one file, in the field "file"', { field: 'file' });
        }
        throw e;
      }
      if (!bytes) throw new AppError('VALIDATION_FAILED', 'file: is required', { field: 'file' });
      const stored = await services.files.store(ctx, { bytes, patientId, filename });
      return reply.status(201).send(stored);
    },
  );

  app.get(
    '/api/files/:id',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a stored file with its sniffed content type',
        params: z.object({ id: z.string().uuid().describe('File id') }),
        response: { 200: z.any().describe('The file bytes') },
      },
    },
    async (request, reply) => {
      const ctx = requireContext(request);
      const file = await services.files.read(ctx, request.params.id);
      reply.header('content-type', file.contentType);
      // Documents download rather than render in the app's origin.
      reply.header('content-disposition', isImageType(file.contentType) ? 'inline' : `attachment; filename="${file.id}.pdf"`);
      return reply.send(file.bytes);
    },
  );
};
