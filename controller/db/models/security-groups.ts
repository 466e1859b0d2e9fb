/**
 * Trove's legacy security group tables (`security_groups`, `security_group_rules`,
 * `security_group_instance_associations`), kept so a Trove database and ours are interchangeable.
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, int, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

const softDelete = () => softDeleteColumns();

/** Columns of `security_groups`. */
export interface SecurityGroupAttributes {
  id: string;
  name: string | null;
  description: string | null;
  user: string | null;
  tenant_id: string | null;
  created: Date | null;
  updated: Date | null;
  deleted: boolean | null;
  deleted_at: Date | null;
}

/** A row of `security_groups`. */
export interface SecurityGroupRow extends Model<SecurityGroupAttributes, CreationOf<SecurityGroupAttributes, 'id'>>, SecurityGroupAttributes {}

export type SecurityGroupModel = ModelStatic<SecurityGroupRow>;

/** Defines the `SecurityGroup` model on `sequelize`. */
export function defineSecurityGroup(sequelize: Sequelize): SecurityGroupModel {
  const model = sequelize.define<SecurityGroupRow>(
    'SecurityGroup',
    {
      id: uuidPrimaryKey(),
      name: varchar(255),
      description: varchar(255),
      user: varchar(255),
      tenant_id: varchar(255),
      created: createdColumn(),
      updated: createdColumn(),
      ...softDelete(),
    },
    { tableName: 'security_groups', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Columns of `security_group_rules`. */
export interface SecurityGroupRuleAttributes {
  id: string;
  group_id: string | null;
  parent_group_id: string | null;
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  cidr: string | null;
  created: Date | null;
  updated: Date | null;
  deleted: boolean | null;
  deleted_at: Date | null;
}

/** A row of `security_group_rules`. */
export interface SecurityGroupRuleRow extends Model<SecurityGroupRuleAttributes, CreationOf<SecurityGroupRuleAttributes, 'id'>>, SecurityGroupRuleAttributes {}

export type SecurityGroupRuleModel = ModelStatic<SecurityGroupRuleRow>;

/** Defines the `SecurityGroupRule` model on `sequelize`. */
export function defineSecurityGroupRule(sequelize: Sequelize): SecurityGroupRuleModel {
  const model = sequelize.define<SecurityGroupRuleRow>(
    'SecurityGroupRule',
    {
      id: uuidPrimaryKey(),
      group_id: varchar(36),
      parent_group_id: varchar(36),
      protocol: varchar(255),
      from_port: int(),
      to_port: int(),
      cidr: varchar(255),
      created: createdColumn(),
      updated: createdColumn(),
      ...softDelete(),
    },
    { tableName: 'security_group_rules', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Columns of `security_group_instance_associations`. */
export interface SecurityGroupInstanceAssociationAttributes {
  id: string;
  security_group_id: string | null;
  instance_id: string | null;
  created: Date | null;
  updated: Date | null;
  deleted: boolean | null;
  deleted_at: Date | null;
}

/** A row of `security_group_instance_associations`. */
export interface SecurityGroupInstanceAssociationRow
  extends Model<SecurityGroupInstanceAssociationAttributes, CreationOf<SecurityGroupInstanceAssociationAttributes, 'id'>>,
    SecurityGroupInstanceAssociationAttributes {}

export type SecurityGroupInstanceAssociationModel = ModelStatic<SecurityGroupInstanceAssociationRow>;

/** Defines the `SecurityGroupInstanceAssociation` model on `sequelize`. */
export function defineSecurityGroupInstanceAssociation(sequelize: Sequelize): SecurityGroupInstanceAssociationModel {
  const model = sequelize.define<SecurityGroupInstanceAssociationRow>(
    'SecurityGroupInstanceAssociation',
    {
      id: uuidPrimaryKey(),
      security_group_id: varchar(36),
      instance_id: varchar(36),
      created: createdColumn(),
      updated: createdColumn(),
      ...softDelete(),
    },
    { tableName: 'security_group_instance_associations', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}
