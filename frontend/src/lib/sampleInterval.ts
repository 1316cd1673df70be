// The sample interval setting's slider. The server enforces the range (MonitorSettingsUpdate); a test
// checks these figures against the generated OpenAPI document so they cannot drift from it.
export const SAMPLE_INTERVAL = { min: 0.5, max: 10, step: 0.5, defaultValue: 2 } as const;
