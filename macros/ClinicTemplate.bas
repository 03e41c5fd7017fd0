Attribute VB_Name = "Claimbook"
' Buttons of workbooks/clinic-template.xlsm. Each runs one function of addin.excel.macros
' through the xlwings add-in's RunPython (install it with `xlwings addin install`).
' This file is the source of truth for the workbook's VBA: see README, "Excel add-in".
Option Explicit

Sub CheckEncounters()
    RunPython "import addin.excel.macros as m; m.check_encounters()"
End Sub

Sub SuggestMissingCodes()
    RunPython "import addin.excel.macros as m; m.suggest_missing_codes()"
End Sub

Sub BuildClaims()
    RunPython "import addin.excel.macros as m; m.build_claims()"
End Sub

Sub ImportRemittance()
    Dim files As String
    files = PickRemittances()
    If files = "" Then Exit Sub
    RunPython "import addin.excel.macros as m; m.import_remittance('" & files & "')"
End Sub

Sub ImportAcknowledgments()
    Dim files As String
    files = PickFiles("Import clearinghouse acknowledgments (999, 277CA)", _
        "Acknowledgments (*.999;*.277;*.txt;*.edi;*.x12),*.999;*.277;*.txt;*.edi;*.x12")
    If files = "" Then Exit Sub
    RunPython "import addin.excel.macros as m; m.import_acknowledgments('" & files & "')"
End Sub

Sub Reconcile()
    RunPython "import addin.excel.macros as m; m.reconcile()"
End Sub

Sub BillSecondary()
    RunPython "import addin.excel.macros as m; m.bill_secondary()"
End Sub

Sub MatchDeposits()
    Dim files As String
    files = PickFiles("Match the bank's export (CSV)", "Bank export (*.csv;*.txt),*.csv;*.txt")
    If files = "" Then Exit Sub
    RunPython "import addin.excel.macros as m; m.match_deposits('" & files & "')"
End Sub

Sub PatientStatements()
    RunPython "import addin.excel.macros as m; m.patient_statements()"
End Sub

Private Function PickRemittances() As String
    PickRemittances = PickFiles("Import remittance files", _
        "Remittances (*.835;*.txt;*.edi;*.csv;*.xlsx),*.835;*.txt;*.edi;*.csv;*.xlsx")
End Function

' Excel's own Open dialog (Windows and macOS); the chosen files joined by "|", each
' escaped for a Python string literal. Empty when the user cancels.
Private Function PickFiles(title As String, filter As String) As String
    Dim chosen As Variant, i As Long, joined As String
    #If Mac Then
        chosen = Application.GetOpenFilename(, , title, , True)
    #Else
        chosen = Application.GetOpenFilename(filter, 1, title, , True)
    #End If
    If Not IsArray(chosen) Then Exit Function
    For i = LBound(chosen) To UBound(chosen)
        If joined <> "" Then joined = joined & "|"
        joined = joined & Replace(Replace(CStr(chosen(i)), "\", "\\"), "'", "\'")
    Next i
    PickFiles = joined
End Function
