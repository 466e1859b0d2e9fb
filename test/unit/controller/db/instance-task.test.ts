import { expect } from 'chai';
import { INSTANCE_TASKS, InstanceTask, instanceTaskColumns, instanceTaskFromCode } from '../../../../controller/db/instance-task.js';

describe('instance tasks', () => {
  it("has Trove's 26 tasks with unique codes", () => {
    const codes = Object.values(INSTANCE_TASKS).map((task) => task.code);
    expect(codes).to.have.length(26);
    expect(new Set(codes).size).to.equal(codes.length);
  });

  it("keeps Trove's codes, actions and descriptions", () => {
    expect(INSTANCE_TASKS.NONE).to.deep.equal({ code: 0x01, action: 'NONE', description: 'No tasks for the instance.', isError: false });
    expect(INSTANCE_TASKS.BUILDING).to.include({ code: 0x05, description: 'The instance is building.' });
    expect(INSTANCE_TASKS.BUILDING_ERROR_TIMEOUT_GA).to.deep.equal({ code: 0x5b, action: 'ERROR', description: 'Build error: guestagent timeout.', isError: true });
    expect(INSTANCE_TASKS.UPGRADING).to.include({ code: 0x59, isError: false });
  });

  it('marks exactly the 0x50-0x5d tasks except UPGRADING as errors', () => {
    for (const [name, task] of Object.entries(INSTANCE_TASKS)) {
      expect(task.isError, name).to.equal(task.code >= 0x50 && name !== 'UPGRADING');
    }
  });

  it('finds a task by code and gives the columns to store', () => {
    expect(instanceTaskFromCode(0x02)).to.equal(InstanceTask.DELETING);
    expect(instanceTaskColumns(InstanceTask.REBOOTING)).to.deep.equal({ task_id: 3, task_description: 'Rebooting the instance.' });
  });

  it('returns undefined for codes Trove does not define', () => {
    expect(instanceTaskFromCode(0x42)).to.equal(undefined);
    expect(instanceTaskFromCode(null)).to.equal(undefined);
  });
});
