// Where files go, checked in the browser by the API's own rules (dev.uplink.core.domain.Destination
// and DestinationPolicy), so that a mistake shows next to its field before any byte is sent. The
// API checks again; its answer is the one that counts.

const INSTANCE = /^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const OCTAL_MODE = /^0?[0-7]{3}$/;
// A setuid, setgid or sticky bit: Incus drops these silently, so the API refuses them.
const SPECIAL_MODE = /^0?[1-7][0-7]{3}$/;
// Linux's limits, in UTF-8 bytes: PATH_MAX (4096, counting the final NUL) and NAME_MAX.
const MAX_PATH_BYTES = 4095;
const MAX_NAME_BYTES = 255;
const utf8 = new TextEncoder();
const MAX_ID = 4294967294;

/** Why an instance name is invalid, or null. */
export function instanceProblem(instance) {
  if (!instance) return 'Enter the instance to send the files to.';
  if (!INSTANCE.test(instance)) {
    return 'Instance names are 1-63 letters, digits or hyphens, start with a letter and do not end with a hyphen.';
  }
  return null;
}

/** Why a file path is invalid, or null (the API's rules for a destination path). */
export function filePathProblem(path) {
  if (!path) return 'Enter the path in the instance.';
  const pathBytes = utf8.encode(path).length;
  if (pathBytes > MAX_PATH_BYTES) return `The path is longer than ${MAX_PATH_BYTES} bytes (it has ${pathBytes}).`;
  if (!path.startsWith('/')) return 'The path must be absolute (start with /).';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return 'The path must not contain control characters.';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return "The path must be normalised: no empty, '.' or '..' parts.";
    }
    const nameBytes = utf8.encode(segment).length;
    if (nameBytes > MAX_NAME_BYTES) {
      return `A name in the path is longer than ${MAX_NAME_BYTES} bytes (one has ${nameBytes}).`;
    }
  }
  return null;
}

/** Whether `path` names a directory the files go into (it ends in /). */
export function isDirectory(path) {
  return path.endsWith('/');
}

/** Where a file lands: in the directory under its own name, or at the path itself. */
export function targetPath(path, fileName) {
  return isDirectory(path) ? path + fileName : path;
}

/** Why the path field is invalid for `fileCount` files, or null. */
export function pathProblem(path, fileCount) {
  if (!path) return 'Enter the path in the instance.';
  if (isDirectory(path)) {
    return path === '/' ? null : filePathProblem(path.slice(0, -1));
  }
  if (fileCount > 1) return 'For several files, give a directory: end the path with /.';
  return filePathProblem(path);
}

/** Why an octal mode is invalid, or null; empty means the default. */
export function modeProblem(mode) {
  if (!mode) return null;
  if (SPECIAL_MODE.test(mode)) {
    return `The mode must be between 0000 and 0777: Incus cannot set setuid, setgid or sticky bits (got ${mode}).`;
  }
  return OCTAL_MODE.test(mode) ? null : 'The mode is octal, 0000 to 0777: 3 digits, or 4 starting with 0 (e.g. 0640).';
}

/** Why a uid or gid is invalid, or null; empty means 0. */
export function idProblem(id) {
  if (!id) return null;
  if (!/^[0-9]{1,10}$/.test(id) || Number(id) > MAX_ID) return `A number from 0 to ${MAX_ID}.`;
  return null;
}

function glob(pattern) {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** Whether a grant ({instance, pathPrefix}) matches the instance name. */
export function grantMatchesInstance(grant, instance) {
  return glob(grant.instance).test(instance);
}

/** Whether a grant covers the destination (instance and path). */
export function grantCovers(grant, instance, path) {
  return grantMatchesInstance(grant, instance) && path.startsWith(grant.pathPrefix);
}

/** A grant as the API writes it: `web-*:/srv/uploads/`. */
export function grantText(grant) {
  return `${grant.instance}:${grant.pathPrefix}`;
}

/**
 * Why the policy refuses the destination, as {field, message} (field `instance` when no grant's
 * pattern matches the instance, `path` when some do but none holds the path), or null.
 */
export function policyProblem(grants, instance, path) {
  if (grants.some((grant) => grantCovers(grant, instance, path))) return null;
  const field = grants.some((grant) => grantMatchesInstance(grant, instance)) ? 'path' : 'instance';
  const allowed = grants.map(grantText).join(', ');
  return {
    field,
    message: `Your API key may not send files to ${instance}:${path}. It may send to ${allowed || 'nowhere'}.`,
  };
}

/**
 * Checks the whole form: returns {errors: {instance?, path?, mode?, uid?, gid?}, targets: [paths]}
 * for the files' names; `errors` is empty when everything may go.
 */
export function check({ instance, path, mode, uid, gid }, fileNames, grants) {
  const errors = {};
  const instanceError = instanceProblem(instance);
  if (instanceError) errors.instance = instanceError;
  const pathError = pathProblem(path, fileNames.length);
  if (pathError) errors.path = pathError;
  if (modeProblem(mode)) errors.mode = modeProblem(mode);
  if (idProblem(uid)) errors.uid = idProblem(uid);
  if (idProblem(gid)) errors.gid = idProblem(gid);
  const targets = fileNames.map((name) => targetPath(path, name));
  if (!errors.instance && !errors.path) {
    for (const target of targets) {
      const problem = filePathProblem(target) ? { field: 'path', message: `${target}: ${filePathProblem(target)}` } : policyProblem(grants, instance, target);
      if (problem) {
        errors[problem.field] = problem.message;
        break;
      }
    }
  }
  return { errors, targets };
}
