/** Content parts ↔ attachments: what is kept of each part, and the part each attachment is sent as. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentWithAttachments, partOfAttachment, readContent, UNKNOWN_IMAGE_TYPE } from '../../src/openai-compatible/content-parts.js';

describe('readContent', () => {
  it('a string is the text; null or absent is ""', () => {
    assert.deepEqual(readContent('hi'), { text: 'hi', attachments: [], leftOut: 0 });
    assert.deepEqual(readContent(null), { text: '', attachments: [], leftOut: 0 });
  });

  it('an image URL whose extension is a name Object.prototype holds is an image of unknown type (was the Object function)', () => {
    const { attachments } = readContent([
      { type: 'image_url', image_url: { url: 'https://example.com/a.constructor' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.toString' } },
    ]);
    assert.deepEqual(
      attachments.map((attachment) => attachment.mediaType),
      [UNKNOWN_IMAGE_TYPE, UNKNOWN_IMAGE_TYPE],
    );
  });

  it('an image URL ending in .tif or .tiff is image/tiff, as the LangChain adapter reads it', () => {
    const { attachments } = readContent([
      { type: 'image_url', image_url: { url: 'https://example.com/scan.tif' } },
      { type: 'image_url', image_url: { url: 'https://example.com/scan.TIFF' } },
    ]);
    assert.deepEqual(
      attachments.map((attachment) => attachment.mediaType),
      ['image/tiff', 'image/tiff'],
    );
  });

  it('an image URL without a known extension, or a data: URL of another type, is an image of unknown type', () => {
    const { attachments } = readContent([
      { type: 'image_url', image_url: { url: 'https://example.com/render?id=4' } },
      { type: 'image_url', image_url: { url: 'data:application/octet-stream;base64,AAAA' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.webp' } },
    ]);
    assert.deepEqual(
      attachments.map((attachment) => attachment.mediaType),
      [UNKNOWN_IMAGE_TYPE, UNKNOWN_IMAGE_TYPE, 'image/webp'],
    );
  });

  it('a file as bare base64 gets a data: URL (a .pdf name makes it application/pdf)', () => {
    assert.deepEqual(readContent([{ type: 'file', file: { filename: 'a.pdf', file_data: 'JVBERg==' } }]).attachments, [
      { mediaType: 'application/pdf', url: 'data:application/pdf;filename=a.pdf;base64,JVBERg==' },
    ]);
    assert.deepEqual(readContent([{ type: 'file', file: { file_data: 'AAEC' } }]).attachments, [
      { mediaType: 'application/octet-stream', url: 'data:application/octet-stream;base64,AAEC' },
    ]);
  });

  it('counts the parts it cannot keep: a file_id, a URL of another scheme, an unknown type, audio without data', () => {
    const read = readContent([
      { type: 'file', file: { file_id: 'file-1' } },
      { type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } },
      { type: 'refusal', refusal: 'no' },
      { type: 'input_audio', input_audio: { format: 'wav' } },
      { type: 'text', text: 'kept' },
    ]);
    assert.deepEqual(read, { text: 'kept', attachments: [], leftOut: 4 });
  });
});

describe('partOfAttachment', () => {
  it('a file name with ; , % or spaces survives the round trip', () => {
    const filename = 'a;b,c %d é.pdf';
    const [attachment] = readContent([{ type: 'file', file: { filename, file_data: 'data:application/pdf;base64,JVBERg==' } }]).attachments;
    assert.deepEqual(partOfAttachment(attachment!), {
      type: 'file',
      file: { filename, file_data: 'data:application/pdf;base64,JVBERg==' },
    });
  });

  it('data: URLs without base64 are sent base64-encoded (input_audio and file take base64)', () => {
    assert.deepEqual(partOfAttachment({ mediaType: 'text/plain', url: 'data:text/plain,caf%C3%A9 ok' }), {
      type: 'file',
      file: { file_data: `data:text/plain;base64,${Buffer.from('café ok').toString('base64')}` },
    });
    assert.deepEqual(partOfAttachment({ mediaType: 'audio/x-wav', url: 'data:audio/x-wav,%00%01' }), {
      type: 'input_audio',
      input_audio: { data: 'AAE=', format: 'wav' },
    });
  });

  it('audio and files at http URLs have no part; images do', () => {
    assert.equal(partOfAttachment({ mediaType: 'audio/mpeg', url: 'https://example.com/a.mp3' }), undefined);
    assert.equal(partOfAttachment({ mediaType: 'application/pdf', url: 'https://example.com/a.pdf' }), undefined);
    assert.deepEqual(partOfAttachment({ mediaType: 'image/gif', url: 'https://example.com/a.gif' }), {
      type: 'image_url',
      image_url: { url: 'https://example.com/a.gif' },
    });
  });

  it('contentWithAttachments: the text alone without attachments; parts, text first, with them', () => {
    assert.equal(contentWithAttachments('hi', undefined), 'hi');
    assert.deepEqual(contentWithAttachments('hi', [{ mediaType: 'image/png', url: 'https://example.com/a.png' }]), [
      { type: 'text', text: 'hi' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
    ]);
  });
});
