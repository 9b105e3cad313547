Unicode true
# A 64-bit installer: the app is amd64 only (wails.checkArchitecture refuses
# other machines anyway), and it runs under Debian's wine64 in make test-dist.
Target amd64-unicode

####
## fiskaldesk's Windows installer, from Wails' NSIS template (wails build -nsis).
## `wails build` writes wails_tools.nsh beside this file (from wails.json) and
## the WebView2 bootstrapper into tmp\; scripts/dist.sh (make dist) runs it on a
## staged copy of the project whose wails.json carries the release version.
##
## What differs from the template:
## - per-user: no administrator rights, installed to %LocalAppData%\Programs\fiskaldesk,
##   uninstall entry under HKCU, Start-menu entry for the current user;
## - the data directory %LocalAppData%\fiskaldesk (TSS keys, signed transactions:
##   records to keep for years) survives uninstalling unless the user ticks
##   "Delete my data" on the uninstaller's components page, or runs it silently
##   with /DELETEDATA (uninstall.exe /S /DELETEDATA);
## - a desktop shortcut is an option, the finish page can start the app.
####
!ifndef REQUEST_EXECUTION_LEVEL
  !define REQUEST_EXECUTION_LEVEL "user"
!endif
!ifndef WAILS_INSTALL_SCOPE
  !define WAILS_INSTALL_SCOPE "user"
!endif
!define UNINST_KEY_NAME "fiskaldesk"

!include "wails_tools.nsh"
!include "Sections.nsh"

# The version information for this two must consist of 4 parts
VIProductVersion "${INFO_PRODUCTVERSION}.0"
VIFileVersion    "${INFO_PRODUCTVERSION}.0"

VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${INFO_PRODUCTVERSION}"
VIAddVersionKey "FileVersion"     "${INFO_PRODUCTVERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

# Enable HiDPI support. https://nsis.sourceforge.io/Reference/ManifestDPIAware
ManifestDPIAware true

!include "MUI.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${INFO_PRODUCTNAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "Your data in %LocalAppData%\fiskaldesk (organizations, TSS keys, signed transactions, exports) is kept unless you tick it below. Keep it, or a backup of it, for as long as the law requires."
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

## The following two statements can be used to sign the installer and the uninstaller. The path to the binaries are provided in %1
#!uninstfinalize 'signtool --file "%1"'
#!finalize 'signtool --file "%1"'

Name "${INFO_PRODUCTNAME}"
OutFile "..\..\bin\${INFO_PROJECTNAME}-${ARCH}-installer.exe"
InstallDir "$LOCALAPPDATA\Programs\${INFO_PRODUCTNAME}"
InstallDirRegKey HKCU "Software\${INFO_PRODUCTNAME}" "InstallDir"
ShowInstDetails show

Function .onInit
   !insertmacro wails.checkArchitecture
FunctionEnd

Section "${INFO_PRODUCTNAME}" SecApp
    SectionIn RO
    !insertmacro wails.setShellContext

    !insertmacro wails.webview2runtime

    SetOutPath $INSTDIR

    !insertmacro wails.files

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    WriteRegStr HKCU "Software\${INFO_PRODUCTNAME}" "InstallDir" "$INSTDIR"

    !insertmacro wails.associateFiles
    !insertmacro wails.associateCustomProtocols

    !insertmacro wails.writeUninstaller
SectionEnd

Section "Desktop shortcut" SecDesktop
    !insertmacro wails.setShellContext
    CreateShortCut "$DESKTOP\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
SectionEnd

Section "un.${INFO_PRODUCTNAME}" SecUnApp
    SectionIn RO
    !insertmacro wails.setShellContext

    RMDir /r "$AppData\${PRODUCT_EXECUTABLE}" # the WebView2 profile (cache), not fiskaldesk's data

    Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
    RMDir "$INSTDIR"

    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    Delete "$DESKTOP\${INFO_PRODUCTNAME}.lnk"
    DeleteRegKey HKCU "Software\${INFO_PRODUCTNAME}"

    !insertmacro wails.unassociateFiles
    !insertmacro wails.unassociateCustomProtocols

    !insertmacro wails.deleteUninstaller
    RMDir "$INSTDIR"
SectionEnd

# Unticked by default: fiscal records are kept unless the user asks.
Section /o "un.Delete my data (%LocalAppData%\fiskaldesk)" SecUnData
    !insertmacro wails.setShellContext
    RMDir /r "$LOCALAPPDATA\fiskaldesk"
SectionEnd

Function un.onInit
    ${GetParameters} $R0
    ClearErrors
    ${GetOptions} $R0 "/DELETEDATA" $R1
    ${IfNot} ${Errors}
        !insertmacro SelectSection ${SecUnData}
    ${EndIf}
FunctionEnd
