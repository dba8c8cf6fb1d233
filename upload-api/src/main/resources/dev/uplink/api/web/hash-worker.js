// Hashes a File off the page's thread: {file} in, {hashed} progress and then {sha256} (or {error}) out.
import { sha256OfBlob } from './sha256.js';

self.addEventListener('message', async (event) => {
  try {
    const sha256 = await sha256OfBlob(event.data.file, (hashed) => self.postMessage({ hashed }));
    self.postMessage({ sha256 });
  } catch (error) {
    self.postMessage({ error: String(error && error.message ? error.message : error) });
  }
});
