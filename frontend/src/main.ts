// Bundle entry: ComfyUI imports every .js under WEB_DIRECTORY; this one registers the extension.
import { registerExtension } from "./host/comfy";
import { createExtension } from "./extension";

registerExtension(createExtension());
