// The console's only way to the server: fetch (and XHR for uploads, for their progress) with the signed-in API key
// from sessionStorage. Every failure becomes an ApiError whose message is readable (the server's {"error"} text).

const KEY_STORAGE = "amp.apiKey";

export function getApiKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? "";
}

export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  window.dispatchEvent(new Event("amp-key-changed"));
}

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public code = "",
  ) {
    super(message);
  }
}

function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// The readable message of an error answer: the API's {"error"}, else the status text.
export function errorMessage(status: number, body: string, statusText = ""): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: string; code?: string };
    if (parsed && typeof parsed.error === "string") return new ApiError(status, parsed.error, parsed.code ?? "");
  } catch {
    // not JSON: fall through
  }
  const hint = status === 401 ? "sign in with an API key" : statusText || "request failed";
  return new ApiError(status, `${status} ${hint}`);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${(err as Error).message})`);
  }
  const text = await response.text();
  if (!response.ok) throw errorMessage(response.status, text, response.statusText);
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export const get = <T>(path: string) => request<T>("GET", path);

export async function getText(path: string): Promise<string> {
  const response = await fetch(path, { headers: authHeaders() });
  const text = await response.text();
  if (!response.ok) throw errorMessage(response.status, text, response.statusText);
  return text;
}

// Uploads a file as text/csv with progress (fetch has no upload progress); resolves with the parsed answer.
export function uploadCsv<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Content-Type", "text/csv");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(JSON.parse(xhr.responseText) as T);
      } else {
        reject(errorMessage(xhr.status, xhr.responseText, xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "the upload failed: cannot reach the server"));
    xhr.send(file);
  });
}

// Downloads an authenticated URL as a file (an <a href> would not carry the key).
export async function download(path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw errorMessage(response.status, await response.text(), response.statusText);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const enc = encodeURIComponent;
