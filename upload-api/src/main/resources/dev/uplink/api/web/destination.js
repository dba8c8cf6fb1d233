// Where files go, checked in the browser by the API's own rules (dev.uplink.core.domain.Destination
// and DestinationPolicy), so that a mistake shows next to its field before any byte is sent. The
// API checks again; its answer is the one that counts.

const INSTANCE = /^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Incus project names as Uplink takes them (dev.uplink.core.domain.Destination).
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** The project a destination is in when it names none. */
export const DEFAULT_PROJECT = 'default';
const OCTAL_MODE = /^0?[0-7]{3}$/;
// A setuid, setgid or sticky bit: Incus drops these silently, so the API refuses them.
const SPECIAL_MODE = /^0?[1-7][0-7]{3}$/;
// Linux's limits, in UTF-8 bytes: PATH_MAX (4096, counting the final NUL) and NAME_MAX.
const MAX_PATH_BYTES = 4095;
const MAX_NAME_BYTES = 255;
const utf8 = new TextEncoder();
const MAX_ID = 4294967294;

/**
 * The instance field as the incus CLI writes it: `remote:instance` on a named remote, the bare name
 * on the default one (remote '').
 */
export function splitInstance(text) {
  const colon = text.indexOf(':');
  return colon < 0 ? { remote: '', name: text } : { remote: text.slice(0, colon), name: text.slice(colon + 1) };
}

/** Why an instance (`[remote:]name`) is invalid, or null. */
export function instanceProblem(instance) {
  if (!instance) return 'Enter the instance to send the files to.';
  const { remote, name } = splitInstance(instance);
  if (instance.includes(':') && !PROJECT.test(remote)) {
    return "Remote names (before ':') are 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.";
  }
  if (!INSTANCE.test(name)) {
    return 'Instance names are 1-63 letters, digits or hyphens, start with a letter and do not end with a hyphen.';
  }
  return null;
}

/** Why a project name is invalid, or null; empty means the default project. */
export function projectProblem(project) {
  if (!project) return null;
  if (!PROJECT.test(project)) {
    return "Project names are 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.";
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

/** Whether a grant ({remote, …}) matches the remote ('' is the default one, a grant without one). */
function grantMatchesRemote(grant, remote) {
  return glob(grant.remote ?? '').test(remote);
}

/** Whether a grant ({project, …}) matches the project (empty: the default one). */
export function grantMatchesProject(grant, project) {
  return glob(grant.project ?? DEFAULT_PROJECT).test(project || DEFAULT_PROJECT);
}

/** Whether a grant ({instance, pathPrefix}) matches the instance name (without its remote). */
export function grantMatchesInstance(grant, instance) {
  return glob(grant.instance).test(splitInstance(instance).name);
}

/** Whether a grant covers the destination: remote, project, instance and path. */
export function grantCovers(grant, instance, path, project = '') {
  return grantMatchesRemote(grant, splitInstance(instance).remote) && grantMatchesProject(grant, project)
    && grantMatchesInstance(grant, instance) && path.startsWith(grant.pathPrefix);
}

/** A grant as the API writes it: `[remote:][project/]web-*:/srv/uploads/`, without the defaults. */
export function grantText(grant) {
  const remote = grant.remote ? `${grant.remote}:` : '';
  const project = grant.project && grant.project !== DEFAULT_PROJECT ? `${grant.project}/` : '';
  return `${remote}${project}${grant.instance}:${grant.pathPrefix}`;
}

/**
 * Why the policy refuses the destination, as {field, message}: the first of `project`, `instance`
 * and `path` that no grant matching the ones before it matches (as the API decides), or null.
 */
export function policyProblem(grants, instance, path, project = '') {
  if (grants.some((grant) => grantCovers(grant, instance, path, project))) return null;
  const { remote, name } = splitInstance(instance);
  const onThisRemote = grants.filter((grant) => grantMatchesRemote(grant, remote));
  const inProject = onThisRemote.filter((grant) => grantMatchesProject(grant, project));
  let field = 'path';
  // The remote is written in the instance field, so a remote no grant names is that field's.
  if (onThisRemote.length === 0) field = 'instance';
  else if (inProject.length === 0) field = 'project';
  else if (!inProject.some((grant) => grantMatchesInstance(grant, instance))) field = 'instance';
  const allowed = grants.map(grantText).join(', ');
  const inProjectText = project && project !== DEFAULT_PROJECT ? `${project}/${name}` : name;
  const where = remote ? `${remote}:${inProjectText}` : inProjectText;
  return {
    field,
    message: `Your API key may not send files to ${where}:${path}. It may send to ${allowed || 'nowhere'}.`,
  };
}

/**
 * Checks the whole form: returns {errors: {project?, instance?, path?, mode?, uid?, gid?},
 * targets: [paths]} for the files' names; `errors` is empty when everything may go.
 */
export function check({ project = '', instance, path, mode, uid, gid }, fileNames, grants) {
  const errors = {};
  if (projectProblem(project)) errors.project = projectProblem(project);
  const instanceError = instanceProblem(instance);
  if (instanceError) errors.instance = instanceError;
  const pathError = pathProblem(path, fileNames.length);
  if (pathError) errors.path = pathError;
  if (modeProblem(mode)) errors.mode = modeProblem(mode);
  if (idProblem(uid)) errors.uid = idProblem(uid);
  if (idProblem(gid)) errors.gid = idProblem(gid);
  const targets = fileNames.map((name) => targetPath(path, name));
  if (!errors.project && !errors.instance && !errors.path) {
    for (const target of targets) {
      const problem = filePathProblem(target) ? { field: 'path', message: `${target}: ${filePathProblem(target)}` } : policyProblem(grants, instance, target, project);
      if (problem) {
        errors[problem.field] = problem.message;
        break;
      }
    }
  }
  return { errors, targets };
}
