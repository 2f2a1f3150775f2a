// Which CLI flag sets which workflow input field, so a broken input rule is reported with the flag a person
// typed as well as the field the workflow names (README: the input fields).
import { InputError } from '../workflows/validate';

const FLAGS: Record<string, string> = {
  volumeId: '--volume',
  imageName: '--image-name',
  diskFormat: '--disk-format',
  containerFormat: '--container-format',
  osType: '--os-type',
  stopType: '--stop-type',
  strategy: '--strategy',
  stopServers: '--no-stop',
  tags: '--tag',
  serverId: '--server',
  imageNamePrefix: '--prefix',
  'deadlines.stopMs': '--stop-deadline',
  'deadlines.uploadMs': '--upload-deadline',
  'deadlines.startMs': '--start-deadline',
  'deadlines.snapshotMs': '--snapshot-deadline',
  'deadlines.copyMs': '--copy-deadline',
};

/** The flag that sets an input field (`tags[2]` → `--tag`), if one does. */
export function flagOf(field: string): string | undefined {
  return FLAGS[field.replace(/\[\d+\]$/, '')];
}

/** `--image-name: imageName must not start or end with a space (got " x")`. */
export function inputErrorText(err: InputError): string {
  const flag = flagOf(err.field);
  return flag ? `${flag}: ${err.message.replace(`${err.field}: `, `${err.field} `)}` : err.message;
}
