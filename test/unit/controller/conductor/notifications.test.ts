import { expect } from 'chai';
import { faultText, formatOutput, notificationEventType } from '../../../../controller/conductor/notifications.js';

const SENTENCE = 'The backup failed because the volume is full. Please free some space (at least 2GB): retry later. ';

/** Outputs of Trove 18's `trove.common.utils.format_output` (python3-trove 1:18.0.0-2) for the same inputs. */
const TROVE_VECTORS: { input: string | string[]; truncate?: number; output: string }[] = [
  { input: 'short message', truncate: 255, output: 'short message' },
  {
    input: SENTENCE.repeat(3),
    truncate: 255,
    output:
      'The backup failed because the volume is full.\nPlease free some space\n(at least 2GB):\n    retry later.\nThe backup failed because the volume is full. Please free some space\n(at least 2GB):\n    retry later.\nThe backup failed because the volume is full. Pl...',
  },
  {
    input: [
      'Traceback (most recent call last):\n',
      '  File "/usr/lib/python3/dist-packages/trove/guestagent/datastore/manager.py", line 271, in prepare\n    self.do_prepare(context, packages, databases, memory_mb, users, device_path, mount_point)\n',
      'trove.common.exception.ProcessExecutionError: Unexpected error while running command. Command: docker run --name database. Exit code: 125 (no such image): trove/mariadb:nope\n',
    ],
    output:
      'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/trove/guestagent/datastore/manager.py", line 271, in prepare\n    self.do_prepare(context, packages, databases, memory_mb, users, device_path, mount_point)\ntrove.common.exception.ProcessExecutionError:\n    Unexpected error while running command.\nCommand: docker run --name database. Exit code: 125\n(no such image): trove/mariadb:nope\n',
  },
  { input: 'x'.repeat(300), truncate: 255, output: `${'x'.repeat(252)}...` },
];

describe('conductor notifications', () => {
  describe('notificationEventType', () => {
    it('derives Trove\'s event type from the notification class', () => {
      expect(notificationEventType('trove.common.notification.DBaaSInstanceCreate')).to.equal('instance_create');
      expect(notificationEventType('trove.common.notification.DBaaSBackupCreate')).to.equal('backup_create');
      expect(notificationEventType('trove.common.notification.DBaaSUserChangePassword')).to.equal('user_change_password');
      expect(notificationEventType('trove.common.notification.DBaaSInstanceUpgrade')).to.equal('upgrade');
      expect(notificationEventType('trove.common.notification.DBaaSInstanceMigrate')).to.equal('migrate');
    });

    it('refuses classes that are not Trove DBaaS notifications', () => {
      expect(notificationEventType('os.system')).to.equal(undefined);
      expect(notificationEventType('trove.common.notification.EndNotification')).to.equal(undefined);
      expect(notificationEventType('trove.common.notification.DBaaS__import__')).to.equal(undefined);
      expect(notificationEventType(42)).to.equal(undefined);
      expect(notificationEventType(undefined)).to.equal(undefined);
    });
  });

  describe('formatOutput', () => {
    TROVE_VECTORS.forEach((vector, index) => {
      it(`matches Trove's format_output (vector ${index + 1})`, () => {
        expect(formatOutput(vector.input, 79, vector.truncate)).to.equal(vector.output);
      });
    });
  });

  describe('faultText', () => {
    it('builds the fault Trove stores: message capped at 255, server type before the traceback', () => {
      const fault = faultText('x'.repeat(400), ['Traceback (most recent call last):\n', 'ValueError: boom\n'], 'guest');
      expect(fault.message).to.have.length(255);
      expect(fault.message.endsWith('...')).to.equal(true);
      expect(fault.details).to.equal('Server type: guest\nTraceback (most recent call last):\nValueError: boom\n');
    });

    it('falls back to Trove\'s default message and accepts a textual exception', () => {
      const fault = faultText(null, 'disk full', undefined);
      expect(fault.message).to.equal('Missing notification message');
      expect(fault.details).to.equal('disk full');
    });

    it('bounds the stored details', () => {
      const fault = faultText('m', ['y'.repeat(70) + '\n'].flatMap((line) => new Array<string>(1000).fill(line)), undefined);
      expect(fault.details.length).to.be.at.most(16_000);
    });
  });
});
