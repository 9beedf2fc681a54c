// The upload page served at / (tus.ui.enabled). Bundled with Uppy by build.sh into
// src/main/resources/META-INF/resources/ui/upload-page.{js,css}; edit this file, not the bundle.
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const TOKEN_KEY = 'resumable-upload.token';

async function main() {
  const config = await (await fetch('ui/config.json', { cache: 'no-store' })).json();
  const tokenField = document.getElementById('token');
  if (config.auth === 'jwt') {
    // sessionStorage: the token survives a reload of this tab (so an upload can resume), not the browser.
    tokenField.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
    tokenField.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, tokenField.value.trim()));
    document.getElementById('auth').hidden = false;
  }
  const token = () => (config.auth === 'jwt' ? tokenField.value.trim() : '');

  const uppy = new Uppy({ autoProceed: false, restrictions: { maxFileSize: config.maxSize } });
  uppy.use(Dashboard, {
    inline: true,
    target: '#uploader',
    width: '100%',
    height: 420,
    showLinkToFileUploadResult: true,
    showRemoveButtonAfterComplete: true,
    proudlyDisplayPoweredByUppy: false,
    note: 'Uploads resume: pause and resume at will. After a reload, add the same files again and they continue where they stopped.',
  });
  uppy.use(Tus, {
    endpoint: new URL(config.endpoint, window.location.href).href,
    retryDelays: [0, 1000, 3000, 5000],
    // Keep the resume entry after success too: adding a finished file again finds it instead of uploading it twice.
    removeFingerprintOnSuccess: false,
    headers: () => (token() ? { Authorization: `Bearer ${token()}` } : {}),
  });

  const finished = document.getElementById('finished');
  uppy.on('upload-success', (file, response) => {
    const url = response.uploadURL;
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = url;
    link.textContent = file.name;
    link.setAttribute('download', file.name);
    if (config.auth === 'jwt') {
      // A plain link carries no token: fetch with it, then save the bytes.
      link.addEventListener('click', async (event) => {
        event.preventDefault();
        const answer = await fetch(url, { headers: { Authorization: `Bearer ${token()}` } });
        if (!answer.ok) {
          link.textContent = `${file.name} (download failed: ${answer.status})`;
          return;
        }
        const objectUrl = URL.createObjectURL(await answer.blob());
        const save = document.createElement('a');
        save.href = objectUrl;
        save.download = file.name;
        save.click();
        setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
      });
    }
    item.append(link, ` (${file.size.toLocaleString()} bytes)`);
    finished.append(item);
    document.getElementById('finished-section').hidden = false;
  });
  uppy.on('upload-error', (file, error) => {
    const status = error?.originalResponse?.getStatus?.();
    if (status === 401 && config.auth === 'jwt') {
      uppy.info('The server refused the token: paste a valid bearer token above.', 'error', 8000);
    }
  });
  // For tests and the curious: the Uppy instance.
  window.uppy = uppy;
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  document.getElementById('uploader').textContent = `The upload page could not start: ${error}`;
});
