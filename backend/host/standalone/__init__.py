"""The standalone host: the plugin's routes and bundle served without ComfyUI, behind a small shim."""
