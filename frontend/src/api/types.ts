// The API's types under the names the frontend uses, all generated from the backend's schemas
// (schema.gen.ts). Types only, no code: every layer may `import type` from here.
import type { components, operations } from "./schema.gen";

/** The websocket events by name and their payloads (events.gen.ts, from backend/schemas/events.py). */
export type { ServerEventName, ServerEventPayloads } from "./events.gen";

export type Schemas = components["schemas"];
export type MonitorStatus = Schemas["MonitorStatus"];
export type MonitorSnapshot = Schemas["MonitorSnapshot"];
export type MonitorEvent = Schemas["MonitorEvent"];
export type ProfilerEvent = Schemas["ProfilerEvent"];
export type GpuDevice = Schemas["GpuDevice"];
export type GpuSample = Schemas["GpuSample"];
export type GpuInspection = Schemas["GpuInspection"];
export type MonitorHistory = Schemas["MonitorHistory"];
export type ErrorBody = Schemas["ErrorBody"];
export type MonitorSettings = Schemas["MonitorSettings"];
export type MonitorSettingsUpdate = Schemas["MonitorSettingsUpdate"];
export type SessionInfo = Schemas["SessionInfo"];
export type QueueState = Schemas["QueueState"];
export type RestartAccepted = Schemas["RestartAccepted"];
export type RestartEvent = Schemas["RestartEvent"];
export type ClearVramResult = Schemas["ClearVramResult"];
export type VramDeviceReport = Schemas["VramDeviceReport"];
export type WorkflowRecord = Schemas["WorkflowRecord"];
export type WorkflowSummary = Schemas["WorkflowSummary"];
export type NodeRecord = Schemas["NodeRecord"];
export type HistoryPage = Schemas["HistoryPage"];
export type ArchiveInfo = Schemas["ArchiveInfo"];
export type ArchivePage = Schemas["ArchivePage"];
export type ArchiveLoadResult = Schemas["ArchiveLoadResult"];
export type ProfilerSettings = Schemas["ProfilerSettings"];
export type ProfilerSettingsUpdate = Schemas["ProfilerSettingsUpdate"];
export type ProfilerStats = Schemas["ProfilerStats"];
export type WorkflowAverage = Schemas["WorkflowAverage"];
export type TensorShape = Schemas["TensorShape"];
export type HistoryClearResult = Schemas["HistoryClearResult"];
export type WorkflowNameResult = Schemas["WorkflowNameResult"];
export type HistoryQuery = NonNullable<operations["listProfilerHistory"]["parameters"]["query"]>;
export type ProfilerSeries = Schemas["ProfilerSeries"];
export type SeriesQuery = NonNullable<operations["getProfilerSeries"]["parameters"]["query"]>;
export type SeriesPoint = Schemas["SeriesPoint"];
export type NodeClassStats = Schemas["NodeClassStats"];
export type NodeClassPage = Schemas["NodeClassPage"];
export type WorkflowAveragePage = Schemas["WorkflowAveragePage"];
export type HistoryChangedEvent = Schemas["HistoryChangedEvent"];
// Out-of-memory diagnosis (issue 14): the analysis, the captures, unloading, and the run's model stays.
export type OomStats = Schemas["OomStats"];
export type OomEvent = Schemas["OomEvent"];
export type OomEventPage = Schemas["OomEventPage"];
export type OomFigures = Schemas["OomFigures"];
export type LoadedModelInfo = Schemas["LoadedModelInfo"];
export type NodeTypeOoms = Schemas["NodeTypeOoms"];
export type ModelCorrelation = Schemas["ModelCorrelation"];
export type Recommendation = Schemas["Recommendation"];
export type UnloadResult = Schemas["UnloadResult"];
export type UnloadedModel = Schemas["UnloadedModel"];
export type OomRisk = Schemas["OomRisk"];
export type ModelToUnload = Schemas["ModelToUnload"];
export type ModelUse = Schemas["ModelUse"];
export type ModelResidency = Schemas["ModelResidency"];
export type VramPressureEvent = Schemas["VramPressureEvent"];
export type OomCapturedEvent = Schemas["OomCapturedEvent"];
export type OomRiskEvent = Schemas["OomRiskEvent"];
// Baselines, regressions and environments (issue 15): a run pinned per workflow, the runs markedly
// slower or hungrier than their own history, and the environment each run ran in.
export type Baseline = Schemas["Baseline"];
export type BaselineSummary = Schemas["BaselineSummary"];
export type BaselinePage = Schemas["BaselinePage"];
export type BaselineCleared = Schemas["BaselineCleared"];
export type RegressionReport = Schemas["RegressionReport"];
export type RegressionRule = Schemas["RegressionRule"];
export type WorkflowRegression = Schemas["WorkflowRegression"];
export type NodeClassRegression = Schemas["NodeClassRegression"];
export type MetricShift = Schemas["MetricShift"];
export type NodeMove = Schemas["NodeMove"];
export type Environment = Schemas["Environment"];
export type EnvironmentFingerprint = Schemas["EnvironmentFingerprint"];
export type LaunchFlag = Schemas["LaunchFlag"];
